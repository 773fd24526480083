/** The `slim-whisper` command line. */
import { Command, CommanderError } from 'commander';
import { SlimError } from '../../models/errors.ts';
import { EXIT, exitCodeFor } from './exit-codes.ts';
import { runModelDownload, runModelList, runModelRemove } from './model-catalog.ts';
import { runModelInfo } from './model-info.ts';
import { runTranscribe } from './transcribe.ts';

function buildProgram(): Command {
  const program = new Command('slim-whisper')
    .description('Local speech transcription with Whisper and a Slim-attention decoder')
    .exitOverride();
  const model = program.command('model').description('list, download, inspect and convert Whisper models');
  model
    .command('list')
    .description('the catalog (tiny … large-v3-turbo) with sizes, and what is installed')
    .option('--json', 'print JSON')
    .action(runModelList);
  model
    .command('download <names...>')
    .description('download catalog models into the models folder ($SLIM_WHISPER_MODELS_DIR)')
    .option('--json', 'JSON lines on stdout: progress and the installed path')
    .option('--force', 'download again even if installed')
    .action(runModelDownload);
  model
    .command('remove <names...>')
    .description('delete installed catalog models (and paused downloads)')
    .option('--json', 'JSON lines on stdout')
    .action(runModelRemove);
  model
    .command('info [model]')
    .description(
      'format, dimensions and the Slim conversion of a model (folder, ggml file or catalog name; default: the embedded base model)',
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
  program
    .command('transcribe <files...>')
    .description('transcribe audio or video files and write transcripts/subtitles')
    .option(
      '--model <path|name>',
      'model folder, ggml file or catalog name, downloaded on first use (default: the embedded base model)',
    )
    .option('--language <code>', 'language code, or auto to detect', 'auto')
    .option('--task <task>', 'transcribe or translate (to English)', 'transcribe')
    .option('--format <list>', 'comma-separated: srt,vtt,txt,json,csv,lrc', 'txt,srt')
    .option('--out <dir>', 'output folder', '.')
    .option('--backend <backend>', 'auto, webgpu or wasm', 'auto')
    .option('--beam-size <n>', 'beam search width (1 = greedy)', '5')
    .option('--word-timestamps', 'word-level timings from cross-attention')
    .option(
      '--no-speech-snap',
      "with word timestamps: keep Whisper's word times as aligned (no trimming to the speech)",
    )
    .option('--split-pause <ms>', 'with word timestamps: cut segments at pauses this long, or off', '1000')
    .option('--batch', 'split on silence and decode windows together (throughput)')
    .option('--prompt <text>', 'initial prompt (vocabulary, spelling)')
    .option('--json', 'JSON lines on stdout: events and a summary per file')
    .action(runTranscribe);
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
