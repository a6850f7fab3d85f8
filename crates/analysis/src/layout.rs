//! The stage graph laid out in layers (stages in build order, few crossings) and drawn as SVG, for the CLI and the web app alike.
