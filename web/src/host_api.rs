//! The postMessage API for host pages: validated, versioned messages in and events out.
