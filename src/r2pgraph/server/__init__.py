"""The web server: SPARQL 1.1 endpoint, linked-data pages and downloads, over a built generation."""
