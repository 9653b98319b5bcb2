import type { AnchorHTMLAttributes, ComponentChildren } from 'preact';
import { navigate } from '../../router';

/** A link that changes this page's view (a folder, a file) without scrolling back to the top as a page link does. */
export function StayLink({ href, children, ...rest }: { href: string; children: ComponentChildren } & AnchorHTMLAttributes) {
  const onClick = (e: MouseEvent) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}
