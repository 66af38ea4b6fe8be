"""Wire protocols: the AWS JSON codec and errors, request context, one module per API area."""
