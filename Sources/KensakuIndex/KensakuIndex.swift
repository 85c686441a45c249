// KensakuIndex
