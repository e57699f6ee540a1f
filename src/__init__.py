"""Code behind the book: data loading and validation, charts, rendering and the build pipeline."""
