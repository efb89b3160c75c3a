"""Pipeline stages: one module each, one ``process`` each."""
