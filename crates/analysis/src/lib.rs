//! What a Dockerfile means to BuildKit.
