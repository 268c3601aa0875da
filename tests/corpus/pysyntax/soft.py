match command.split():
    case [action]:
        pass
    case ["go", direction] if direction in dirs:
        pass
    case _:
        pass
match = 1
match.x = case(2)
type Alias = list[int]
type = 3
