import numpy as np

@dataclass(frozen=True)
class Point(Base):
    x: int = 0

    def norm(self) -> float:
        return (self.x ** 2) ** .5  # length
