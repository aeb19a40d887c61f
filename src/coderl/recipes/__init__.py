"""Recipes: end-to-end pipelines composed of the library's stages (`coderl quickstart`)."""
