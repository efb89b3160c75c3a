"""Call controller, ARI/AMI clients and the development Asterisk runtime."""
