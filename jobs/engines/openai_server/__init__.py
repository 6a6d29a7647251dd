"""The `openai` engine: a model on a local OpenAI-compatible server (Ollama, llama.cpp's server, vLLM, LM Studio)."""
