print("bench-attention")
