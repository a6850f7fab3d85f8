//! Highlighting tokens for editors: every span of a Dockerfile with what it is.
