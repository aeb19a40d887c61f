"""coderl.models"""
