"""API-key diagnosis (-2015/-2014/-2008): read-only probes, their analysis and its view."""
