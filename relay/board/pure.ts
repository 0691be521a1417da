// preact/compat's memo() without preact/compat (which hooks into every vnode the page creates): the
// component renders again only when one of its props changed, by identity. Context it reads still
// reaches it (a provider re-renders its consumers itself).
import { Component, type ComponentType, type FunctionComponent, h } from 'preact';

export function pure<P extends object>(render: FunctionComponent<P>): ComponentType<P> {
  return class Pure extends Component<P> {
    override shouldComponentUpdate(next: P): boolean {
      const before = this.props as Record<string, unknown>;
      const after = next as Record<string, unknown>;
      const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
      for (const key of keys) if (before[key] !== after[key]) return true;
      return false;
    }

    override render() {
      return h(render, this.props);
    }
  };
}
