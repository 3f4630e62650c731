import { useEffect } from 'react';

/** Sets the document title per page so screen-reader users hear where they are. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · FLOW`;
  }, [title]);
}
