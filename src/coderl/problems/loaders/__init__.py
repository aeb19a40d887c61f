"""coderl.problems.loaders"""
