//! The build-context editor: preset picker and an editable listing of the context's files.
