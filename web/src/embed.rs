//! Embed mode: the URL parameters (?embed=1&panels=…) read into one config, and the compact layout.
