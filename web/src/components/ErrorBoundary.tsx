import { Component, type ErrorInfo, type ReactNode } from 'react';

/** A page that throws while rendering shows a readable message, never a blank page. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  componentDidCatch(error: Error, info: ErrorInfo) {
    // Kept for whoever opens the developer tools; the page itself says what to do.
    console.warn('page failed to render', error, info.componentStack);
  }

  render() {
    if (this.state.error) {
      return (
        <div role="alert" className="rounded border border-red-300 bg-red-50 p-4 text-red-800">
          <p className="font-semibold">This page could not be shown: {this.state.error.message}</p>
          <button className="mt-2 underline" onClick={() => this.setState({ error: null })}>
            Try again
          </button>
        </div>
      );
    }
    return this.props.children;
  }
}
