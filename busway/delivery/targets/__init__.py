"""One module per kind of target, each implementing ``busway.delivery.target.DeliveryTarget``."""
