"""The data layer: reading a data directory safely (files), the rules (rules), resource entries and their table
schema (resources, tableschema), the tables (tables), the package model (package), the texts to translate
(translations), validation (validate, with Frictionless's generic checks in generic), the arithmetic (shares), the
figure registry (figures), and the respondent-level engine (respondents/). Imports only src.base.
"""
