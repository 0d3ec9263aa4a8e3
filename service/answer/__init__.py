"""The answer stages: condense, retrieve (index/), compose, cite, verify, release."""
