/** Never a blank page: a render error shows what happened and a way back. */
import { Component, type ReactNode } from 'react';

export class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  state = { error: null as Error | null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  render() {
    if (!this.state.error) return this.props.children;
    return (
      <div role="alert" className="card">
        <h1 className="text-lg font-semibold">Something went wrong on this page</h1>
        <p className="muted mt-1 whitespace-pre-wrap text-sm">{this.state.error.message}</p>
        <p className="mt-3 text-sm">
          <a className="link" href="/projects">
            Back to the projects
          </a>{' '}
          or reload the page.
        </p>
      </div>
    );
  }
}
