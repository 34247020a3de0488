"""Guide domain: the bilingual chat shopping guide with hybrid search and hard constraints."""
