//! Placeholder until this module lands; its owner replaces this file (or removes it for a catalog/mod.rs).
