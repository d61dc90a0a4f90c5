"""Configuration: named profiles in config.toml (`profile`) and `config show` (`view`)."""
