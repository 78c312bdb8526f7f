"""Documents the office sends out (`python -m reports <command>`): request workbooks per agency, …"""
