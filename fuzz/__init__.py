"""C sources of the libFuzzer targets (imported as ``symverify.fuzz_c`` for its files only)."""
