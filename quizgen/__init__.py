"""quizgen: randomized, auto-solved deep-learning exercises (generate, render, export, grade)."""
__version__ = "0.1.0"
