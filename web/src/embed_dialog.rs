//! The Embed dialog: iframe and Markdown snippets for the current state, with a live preview.
