// KensakuSearch
