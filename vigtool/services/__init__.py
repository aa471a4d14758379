"""Operations the front ends (CLI, GUI) run: each takes plain arguments and returns a typed result."""
