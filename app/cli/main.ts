/** The `slim-whisper` command line. */
import { Command, CommanderError } from 'commander';
import { SlimError } from '../../models/errors.ts';
import { EXIT, exitCodeFor } from './exit-codes.ts';
import { runModelInfo } from './model-info.ts';

function buildProgram(): Command {
  const program = new Command('slim-whisper')
    .description('Local speech transcription with Whisper and a Slim-attention decoder')
    .exitOverride();
  const model = program.command('model').description('inspect and convert Whisper models');
  model
    .command('info [path]')
    .description(
      'format, dimensions and the Slim conversion of a model (folder or ggml file; default: the embedded base model)',
    )
    .option('--json', 'print JSON')
    .option(
      '--calibrate <files...>',
      'real speech to measure the Slim forms on (default: the shared test clips)',
    )
    .option('--no-calibration', 'skip measurements: every layer uses the inverse-free X-cache form')
    .option('--refresh', 'measure again even if a conversion record is cached')
    .option('--no-cache', 'neither read nor write the conversion record cache')
    .action(runModelInfo);
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage; // commander already printed the message
    }
    if (e instanceof SlimError) {
      process.stderr.write(`slim-whisper: ${e.message} [${e.code}]\n`);
      return exitCodeFor(e.code);
    }
    process.stderr.write(
      `slim-whisper: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    return EXIT.failure;
  }
}

process.exitCode = await main(process.argv);
