"""One module per Stripe resource; each registers its routes with `stripe_sandbox.router.route`."""
