"""coderl.rewards"""
