"""Grading harness for the "backpropagation from scratch, then PyTorch" assignment."""
