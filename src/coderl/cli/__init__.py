"""The `coderl` command. Each subcommand lives in its own module with `add_parser` and `run`;
modules import the library lazily inside `run`, so `coderl --help` stays instant."""
