"""The participation ladder: rungs, how a decision suggests one, and the page explaining it."""
