/** Placeholder of the live-caption stage: its slice exists, the streaming engine does not yet. */
import { useApp } from '../store/react.tsx';

export function LiveView() {
  const live = useApp((s) => s.live);
  return (
    <section className="view">
      <header className="view-header">
        <h1>Live captions</h1>
      </header>
      <div className="empty">
        <p className="empty-title">Not available yet</p>
        <p>{live.note}</p>
      </div>
    </section>
  );
}
