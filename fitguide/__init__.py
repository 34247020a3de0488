"""FitGuide core: settings, shared errors, database and the command line."""
