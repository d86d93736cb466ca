print("lyap")
