"""coderl.evaluation"""
