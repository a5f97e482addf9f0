"""The ground every package stands on: the database and its engines, write transactions,
named domain errors, money and CSV safety. Imports nothing else of the warehouse."""
