"""coderl.training"""
