"""kefu-warehouse: insurance customer-service quality warehouse (客服质量数仓)."""
