//! The image treemap: a squarified layout of the final image's files, drawn as SVG.
