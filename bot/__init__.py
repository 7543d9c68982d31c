"""Together We Can: the chatbot's service side (channels, storage, web, command line)."""
