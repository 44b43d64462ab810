"""The bottom layer: contracts, periods, identifiers, reference data, settings. Imports nothing else of resettle."""
