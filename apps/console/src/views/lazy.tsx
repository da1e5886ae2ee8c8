import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/**
 * A view whose code loads when it is first shown: the charts (uPlot) are not part of the first
 * load, which the live calls need first.
 */
export function lazyView<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | undefined;
  return function LazyView(props: P) {
    const [View, setView] = useState<ComponentType<P> | undefined>(() => loaded);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (View) return;
      load().then(
        (view) => {
          loaded = view;
          setView(() => view);
        },
        // A server updated since this page loaded no longer has the old build's files.
        () => setFailed(true),
      );
    }, []);
    if (failed) return <p class="status" role="alert">This view could not be loaded: reload the page.</p>;
    return View ? <View {...props} /> : <p class="status">Loading…</p>;
  };
}
